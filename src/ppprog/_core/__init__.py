"""Shared floor of ppprog: errors, random streams, formatting, resources.

Nothing here imports pandas or any other ppprog layer.
"""
