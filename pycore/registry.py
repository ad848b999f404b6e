"""The analysis registry: ids, titles, typed parameters, and how to run each analysis.

An analysis is a function ``(image, **params) -> Result`` (or a coroutine function for
those that call a model) decorated with :func:`analysis`. Its parameters are declared
once, in its signature, as ``Annotated[type, Param(...)]`` with a default; the CLI, the
page's controls and the reports are all built from what the registry derives from it.
"""

from __future__ import annotations

import inspect
import math
import time
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .blocking import run_blocking
from .image import Image
from .result import Result

_TYPE_NAMES = {int: "an integer", float: "a number", str: "text", bool: "true or false"}
GROUPS: tuple[str, ...] = (
    "provenance",
    "compression",
    "noise",
    "frequency",
    "camera",
    "duplication",
    "learned",
)


@dataclass(frozen=True)
class Param:
    """Range and help of one parameter. ``choices`` makes a string parameter a pick list."""

    help: str
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: type
    default: Any
    param: Param

    def coerce(self, value: Any) -> Any:
        """``value`` as this parameter's type, checked against its range or choices."""
        try:
            if self.type is bool:
                converted = (
                    value
                    if isinstance(value, bool)
                    else str(value).lower() in ("1", "true", "yes", "on")
                )
            else:
                converted = self.type(value)
        except (TypeError, ValueError) as error:
            kind = _TYPE_NAMES.get(self.type, self.type.__name__)
            raise ValueError(f"{self.name} must be {kind}, got {value!r}") from error
        if isinstance(converted, float) and not math.isfinite(converted):
            raise ValueError(f"{self.name} must be a finite number, got {value!r}")
        spec = self.param
        if spec.choices is not None and converted not in spec.choices:
            raise ValueError(f"{self.name} must be one of {', '.join(spec.choices)}")
        if spec.minimum is not None and converted < spec.minimum:
            raise ValueError(f"{self.name} must be at least {spec.minimum}, got {converted}")
        if spec.maximum is not None and converted > spec.maximum:
            raise ValueError(f"{self.name} must be at most {spec.maximum}, got {converted}")
        if (
            spec.step is not None
            and spec.minimum is not None
            and self.type is int
            and (converted - spec.minimum) % spec.step
        ):
            raise ValueError(f"{self.name} must be {spec.minimum} plus a multiple of {spec.step}")
        return converted

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type.__name__,
            "default": self.default,
            "minimum": self.param.minimum,
            "maximum": self.param.maximum,
            "step": self.param.step,
            "choices": list(self.param.choices) if self.param.choices else None,
            "help": self.param.help,
        }


@dataclass(frozen=True)
class Analysis:
    id: str
    title: str
    group: str
    help: str
    function: Callable[..., Any]
    params: tuple[ParamSpec, ...]
    default: bool

    @property
    def method(self) -> str:
        """The method and its paper: the first paragraph of the module's docstring."""
        module = inspect.getmodule(self.function)
        text = inspect.cleandoc((module and module.__doc__) or "")
        return text.split("\n\n")[0].replace("\n", " ")

    def resolve(self, given: dict[str, Any] | None) -> dict[str, Any]:
        """Defaults with ``given`` applied and checked; unknown names are an error."""
        given = dict(given or {})
        unknown = set(given) - {spec.name for spec in self.params}
        if unknown:
            raise ValueError(f"{self.id} has no parameter {', '.join(sorted(unknown))}")
        return {
            spec.name: spec.coerce(given[spec.name]) if spec.name in given else spec.default
            for spec in self.params
        }

    async def run(self, image: Image, params: dict[str, Any] | None = None) -> Result:
        """Run on ``image`` with ``params`` (checked), timing it into ``Result.seconds``."""
        resolved = self.resolve(params)
        start = time.perf_counter()
        outcome = self.function(image, **resolved)
        if inspect.isawaitable(outcome):
            outcome = await outcome
        outcome.seconds = time.perf_counter() - start
        return outcome

    def run_sync(self, image: Image, params: dict[str, Any] | None = None) -> Result:
        """:meth:`run` for native, blocking callers."""
        return run_blocking(self.run(image, params))

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "group": self.group,
            "help": self.help,
            "method": self.method,
            "default": self.default,
            "params": [spec.describe() for spec in self.params],
        }


ANALYSES: dict[str, Analysis] = {}


def analysis(
    id: str, title: str, group: str, help: str, default: bool = True
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as the analysis ``id``.

    ``help`` is the user's guide: what the output shows and its common false alarms.
    ``default`` says whether it runs when an image is opened.
    """
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; use one of {GROUPS}")

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        if id in ANALYSES:
            raise ValueError(f"analysis id {id!r} is registered twice")
        ANALYSES[id] = Analysis(
            id=id,
            title=title,
            group=group,
            help=help,
            function=function,
            params=_param_specs(function),
            default=default,
        )
        return function

    return register


def _param_specs(function: Callable[..., Any]) -> tuple[ParamSpec, ...]:
    hints = typing.get_type_hints(function, include_extras=True)
    specs = []
    for name, parameter in list(inspect.signature(function).parameters.items())[1:]:
        hint = hints.get(name)
        if typing.get_origin(hint) is not typing.Annotated:
            raise TypeError(f"{function.__name__}: parameter {name} needs Annotated[type, Param]")
        base, *extras = typing.get_args(hint)
        param = next((extra for extra in extras if isinstance(extra, Param)), None)
        if param is None or parameter.default is inspect.Parameter.empty:
            raise TypeError(f"{function.__name__}: parameter {name} needs a Param and a default")
        specs.append(ParamSpec(name=name, type=base, default=parameter.default, param=param))
    return tuple(specs)


def get(analysis_id: str) -> Analysis:
    try:
        return ANALYSES[analysis_id]
    except KeyError:
        known = ", ".join(sorted(ANALYSES))
        raise KeyError(f"no analysis {analysis_id!r}; known: {known}") from None
