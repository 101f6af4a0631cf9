"""OpenAPI 3.1 description of the API, with schemas generated from the pydantic models."""

from __future__ import annotations

from functools import cache
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from gateway.model import CommandOutcome, Event, Health, SignalControllerState
from gateway.model.camera import CameraState
from gateway.model.commands import COMMAND_ARGS
from gateway.model.violation import ViolationRecord

__all__ = ["routes", "build_spec"]

routes = web.RouteTableDef()
REF = "#/components/schemas/{model}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR = _json(_ref("Error"), "Error")
ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


def _page(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["items", "next"],
            "properties": {"items": {"type": "array", "items": item},
                           "next": {"type": ["string", "null"]}}}


@cache
def build_spec() -> dict[str, Any]:
    models: list[type[BaseModel]] = [Health, SignalControllerState, CameraState, Event,
                                     CommandOutcome, ViolationRecord, *COMMAND_ARGS.values()]
    _, defs = models_json_schema([(m, "serialization") for m in models], ref_template=REF)
    schemas: dict[str, Any] = defs.get("$defs", {})
    schemas["Error"] = {"type": "object", "required": ["error", "message"],
                        "properties": {"error": {"type": "string"},
                                       "message": {"type": "string"}}}
    schemas["Device"] = {
        "type": "object", "required": ["id", "kind", "vendor", "model", "adapter", "health"],
        "properties": {"id": {"type": "string"}, "name": {"type": ["string", "null"]},
                       "kind": {"enum": ["signal_controller", "camera", "enforcement_camera"]},
                       "vendor": {"type": "string"}, "model": {"type": "string"},
                       "adapter": {"type": "string"}, "profile": {"type": ["string", "null"]},
                       "health": _ref("Health"),
                       "capabilities": {"type": "array", "items": {"type": "string"}},
                       "commands": {"type": "array", "items": {"type": "string"}}}}
    schemas["CommandRequest"] = {
        "type": "object", "required": ["command"],
        "properties": {"command": {"enum": [c.value for c in COMMAND_ARGS]},
                       "args": {"anyOf": [_ref(name) for name in
                                          sorted({m.__name__ for m in COMMAND_ARGS.values()})]}}}
    read: list[dict[str, list[str]]] = [{"bearer": []}, {}]
    operator: list[dict[str, list[str]]] = [{"bearer": []}]
    device_errors = {"404": ERROR, "401": ERROR}
    paths: dict[str, Any] = {
        "/healthz": {"get": {"summary": "Liveness", "security": [],
                             "responses": {"200": _json({"type": "object"})}}},
        "/metrics": {"get": {"summary": "Prometheus metrics", "security": [], "responses": {
            "200": {"description": "text exposition format",
                    "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
        "/api/v1/devices": {"get": {
            "summary": "List devices", "security": read,
            "parameters": [{"name": n, "in": "query", "schema": {"type": "string"}}
                           for n in ("kind", "status", "limit", "cursor")],
            "responses": {"200": _json(_page(_ref("Device"))), "401": ERROR}}},
        "/api/v1/devices/{id}": {"get": {"summary": "One device", "parameters": [ID],
                                         "security": read, "responses": {
                                             "200": _json(_ref("Device")), **device_errors}}},
        "/api/v1/devices/{id}/state": {"get": {
            "summary": "Normalized state (last poll)", "parameters": [ID], "security": read,
            "responses": {"200": _json({"oneOf": [_ref("SignalControllerState"),
                                                  _ref("CameraState")]}),
                          "503": ERROR, **device_errors}}},
        "/api/v1/devices/{id}/health": {"get": {"summary": "Health", "parameters": [ID],
                                                "security": read, "responses": {
                                                    "200": _json(_ref("Health")),
                                                    **device_errors}}},
        "/api/v1/devices/{id}/diagnostics": {"get": {
            "summary": "Recent exchanges with the device and errors by reason",
            "parameters": [ID], "security": read,
            "responses": {"200": _json({"type": "object"}), **device_errors}}},
        "/api/v1/devices/{id}/snapshot": {"get": {
            "summary": "Camera still image (JPEG), through the adapter", "parameters": [ID],
            "security": read,
            "responses": {"200": {"description": "the image",
                                  "content": {"image/jpeg": {"schema": {
                                      "type": "string", "contentMediaType": "image/jpeg"}}}},
                          "501": ERROR, "504": ERROR, **device_errors}}},
        "/api/v1/devices/{id}/probe": {"post": {
            "summary": "Poll now, as the scheduler does", "parameters": [ID],
            "security": operator, "responses": {"200": _json({"type": "object"}),
                                                **device_errors}}},
        "/api/v1/devices/{id}/commands": {"post": {
            "summary": "Send a sanctioned command (operator token)", "parameters": [ID],
            "security": operator,
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _ref("CommandRequest")}}},
            "responses": {"200": _json(_ref("CommandOutcome")), "401": ERROR, "403": ERROR,
                          "404": ERROR, "409": _json(_ref("CommandOutcome")),
                          "422": ERROR, "501": ERROR, "504": ERROR}}},
        "/api/v1/events": {"get": {
            "summary": "Event history", "security": read,
            "parameters": [{"name": n, "in": "query", "schema": {"type": "string"}}
                           for n in ("after", "device", "type", "limit")],
            "responses": {"200": _json(_page(_ref("Event")))}}},
        "/api/v1/events/stream": {"get": {
            "summary": "Server-sent events (Last-Event-ID resumes)", "security": read,
            "responses": {"200": {"description": "text/event-stream",
                                  "content": {"text/event-stream": {
                                      "schema": {"type": "string"}}}}}}},
        "/api/v1/violations": {"get": {
            "summary": "Violation records, oldest first, keyset-paginated", "security": read,
            "parameters": [{"name": n, "in": "query", "schema": {"type": "string"}}
                           for n in ("device", "since", "until", "plate", "code", "limit",
                                     "cursor")],
            "responses": {"200": _json(_page(_ref("ViolationRecord"))), "422": ERROR}}},
        "/api/v1/violations/{id}": {"get": {
            "summary": "One violation record", "parameters": [ID], "security": read,
            "responses": {"200": _json(_ref("ViolationRecord")), "404": ERROR}}},
        "/api/v1/violations/{id}/images/{n}": {"get": {
            "summary": "Evidence image n (0-based) of a record", "security": read,
            "parameters": [ID, {"name": "n", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 0}}],
            "responses": {"200": {"description": "the image bytes", "content": {
                "image/jpeg": {"schema": {"type": "string", "contentMediaType": "image/jpeg"}},
                "image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}}}},
                "404": ERROR}}},
        "/api/v1/audit": {"get": {"summary": "Command audit log", "security": operator,
                                  "responses": {"200": _json(_page(_ref("CommandOutcome")))}}},
        "/api/v1/config/status": {"get": {"summary": "Last live reload of the config",
                                          "security": read,
                                          "responses": {"200": _json({"type": "object"})}}},
        "/api/v1/adapters": {"get": {"summary": "Installed adapters", "security": read,
                                     "responses": {"200": _json({"type": "object"})}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Junction gateway API", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
    }


@routes.get("/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return web.json_response(build_spec())
