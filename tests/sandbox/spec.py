"""Answers checked against the OpenAPI file's own response schemas (JSON Schema 2020-12)."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

URN = "urn:status200-openapi"


def _pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class SpecValidator:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        resource = Resource.from_contents(spec, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(URN, resource)

    def _response(self, path: str, method: str, status: int) -> tuple[str, dict[str, Any]]:
        responses = self.spec["paths"][path][method.lower()]["responses"]
        key = str(status) if str(status) in responses else "default"
        pointer = _pointer("paths", path, method.lower(), "responses", key)
        response = responses[key]
        if "$ref" in response:
            name = response["$ref"].rsplit("/", 1)[-1]
            pointer = _pointer("components", "responses", name)
            response = self.spec["components"]["responses"][name]
        return pointer, response

    def documented(self, path: str, method: str, status: int) -> bool:
        return str(status) in self.spec["paths"][path][method.lower()]["responses"]

    def validate(self, path: str, method: str, status: int, body: Any) -> None:
        """Raises jsonschema.ValidationError when the body does not match the documented schema."""
        pointer, response = self._response(path, method, status)
        assert "application/json" in response["content"], f"{method} {path} {status}: no JSON"
        ref = f"{URN}#{pointer}/content/application~1json/schema"
        Draft202012Validator({"$ref": ref}, registry=self.registry).validate(body)

    def headers(self, path: str, method: str, status: int) -> dict[str, Any]:
        return dict(self._response(path, method, status)[1].get("headers") or {})
