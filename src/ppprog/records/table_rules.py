"""placeholder"""
from typing import Any
def column_rules(conv: Any, join: Any) -> list[Any]:
    raise NotImplementedError
