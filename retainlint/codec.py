"""Facts as JSON-shaped data, derived from the dataclasses' type hints.

The facts cache lives in the checked repository's folder, so whoever controls the repository
controls its bytes.  It must therefore hold data that cannot run anything when read, and every
value must be checked against the type it is supposed to have.  Rather than a hand-written
encoder per record (which would go stale whenever a record gains a field), the encoder and the
strict decoder of a type are built from its annotations:

* ``str``, ``int``, ``bool`` and ``None`` are themselves (a ``bool`` is never accepted as an
  ``int`` or the reverse);
* ``Optional[X]`` is ``null`` or X;
* ``Tuple[X, ...]``, ``List[X]``, ``Set[X]``, ``FrozenSet[X]`` are arrays, fixed ``Tuple[X, Y]``
  an array of exactly that length;
* ``Dict[str, V]`` and ``Dict[int, V]`` are objects (int keys written as decimal strings and
  checked on the way back);
* a dataclass of :mod:`retainlint.facts` is an array of its ``__init__`` fields in order.

Data never names a type: the type to decode is always the one the annotations say, and only
dataclasses defined in :mod:`retainlint.facts` can be built.  Any mismatch raises
:class:`DecodeError`.  An annotation outside this set (a bare ``list``, ``Any``, a class from
elsewhere) is a programming error and raises ``TypeError`` when the codec is built.
"""

from __future__ import annotations

import dataclasses
import sys
import typing
from functools import lru_cache
from typing import Any, Callable, Dict, Tuple

from retainlint import facts as facts_module

if sys.version_info >= (3, 10):
    from types import UnionType

    _UNIONS: Tuple[Any, ...] = (typing.Union, UnionType)
else:  # pragma: no cover - Python 3.9
    _UNIONS = (typing.Union,)

# The only classes the decoder may build: the dataclasses defined in retainlint.facts.
RECORDS: Dict[str, type] = {
    name: value for name, value in vars(facts_module).items()
    if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == facts_module.__name__
}

Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]


class DecodeError(ValueError):
    """The data does not have the shape the type hints describe."""


def _fail(expected: str, value: Any) -> DecodeError:
    return DecodeError(f"expected {expected}, got {type(value).__name__}")


def _identity(value: Any) -> Any:
    return value


def _scalar_decoder(kind: type) -> Decoder:
    def decode(value: Any) -> Any:
        if type(value) is not kind:  # exact: bool is a subclass of int, and neither may stand for the other
            raise _fail(kind.__name__, value)
        return value

    return decode


def _decode_none(value: Any) -> None:
    if value is not None:
        raise _fail("null", value)
    return None


@lru_cache(maxsize=None)
def codec(tp: Any) -> Tuple[Encoder, Decoder]:
    """(encode, decode) for a type: encode gives JSON-ready data, decode checks it strictly."""
    if tp in (str, int, bool):
        return _identity, _scalar_decoder(tp)
    if tp is type(None):
        return _identity, _decode_none
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in _UNIONS:
        return _optional(args, tp)
    if origin in (list, set, frozenset) or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
        return _sequence(origin, args[0])
    if origin is tuple and args and Ellipsis not in args:
        return _fixed_tuple(args)
    if origin is dict:
        return _mapping(*args)
    if isinstance(tp, type) and RECORDS.get(tp.__name__) is tp:
        return _record(tp)
    raise TypeError(f"the facts codec cannot encode {tp!r}: annotate it with str, int, bool, Optional, "
                    f"Tuple, List, Set, FrozenSet, Dict[str|int, ...] or a dataclass of retainlint.facts")


def _optional(args: Tuple[Any, ...], tp: Any) -> Tuple[Encoder, Decoder]:
    others = [a for a in args if a is not type(None)]
    if len(others) != 1 or len(args) != 2:
        raise TypeError(f"the facts codec supports only Optional[X] unions, not {tp!r}")
    encode_inner, decode_inner = codec(others[0])

    def encode(value: Any) -> Any:
        return None if value is None else encode_inner(value)

    def decode(value: Any) -> Any:
        return None if value is None else decode_inner(value)

    return encode, decode


def _sequence(kind: type, item: Any) -> Tuple[Encoder, Decoder]:
    encode_item, decode_item = codec(item)

    def encode(value: Any) -> Any:
        return [encode_item(v) for v in value]

    def decode(value: Any) -> Any:
        if type(value) is not list:
            raise _fail("array", value)
        return kind(decode_item(v) for v in value)

    return encode, decode


def _fixed_tuple(items: Tuple[Any, ...]) -> Tuple[Encoder, Decoder]:
    codecs = [codec(item) for item in items]

    def encode(value: Any) -> Any:
        return [enc(v) for (enc, _), v in zip(codecs, value)]

    def decode(value: Any) -> Any:
        if type(value) is not list or len(value) != len(codecs):
            raise _fail(f"array of {len(codecs)}", value)
        return tuple(dec(v) for (_, dec), v in zip(codecs, value))

    return encode, decode


def _int_key(key: str) -> int:
    try:
        number = int(key)
    except ValueError:
        raise DecodeError(f"expected an integer key, got {key[:20]!r}") from None
    if str(number) != key:
        raise DecodeError(f"expected an integer key, got {key[:20]!r}")
    return number


def _mapping(key: Any, item: Any) -> Tuple[Encoder, Decoder]:
    if key not in (str, int):
        raise TypeError(f"the facts codec supports only str or int dictionary keys, not {key!r}")
    encode_item, decode_item = codec(item)
    key_of = _int_key if key is int else _identity

    def encode(value: Any) -> Any:
        return {str(k): encode_item(v) for k, v in value.items()}

    def decode(value: Any) -> Any:
        if type(value) is not dict:
            raise _fail("object", value)
        return {key_of(k): decode_item(v) for k, v in value.items()}

    return encode, decode


def _record(cls: type) -> Tuple[Encoder, Decoder]:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    codecs = [codec(hints[name]) for name in names]

    def encode(value: Any) -> Any:
        return [enc(getattr(value, name)) for name, (enc, _) in zip(names, codecs)]

    def decode(value: Any) -> Any:
        if type(value) is not list or len(value) != len(codecs):
            raise _fail(f"{cls.__name__} (array of {len(codecs)})", value)
        return cls(*[dec(v) for (_, dec), v in zip(codecs, value)])

    return encode, decode


def encode(tp: Any, value: Any) -> Any:
    return codec(tp)[0](value)


def decode(tp: Any, data: Any) -> Any:
    """The value of type ``tp`` that ``data`` encodes; :class:`DecodeError` if it does not fit."""
    return codec(tp)[1](data)
