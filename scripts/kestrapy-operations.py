#!/usr/bin/env python3
"""Reads Kestra's own Python SDK (kestrapy 2.0.x, an unpacked wheel) and prints, as JSON, what each of
its API functions sends: method, path template, query parameters, request body type, Accept, and how
it reads the answer. Only the Python standard library (ast): the SDK is read, never imported or run.

    python3 scripts/kestrapy-operations.py <dir holding kestrapy/> <version>

The project's contract test compares every KestraClient call with the function it names here
(scripts/gen-kestrapy-ops.sh writes test/fixtures/kestrapy-2.0-operations.json).
"""
import ast
import json
import pathlib
import re
import sys

# BaseApi's helpers (kestrapy/base_api.py): what each one reads back, and its default Accept.
# `requests` sends `Accept: */*` when the SDK sets none.
HELPERS = {
    "_json_request": ("json", None),
    "_json_list_request": ("json", None),
    "_raw_json_request": ("json", None),
    "_void_request": ("none", None),
    "_download_request": ("bytes", "application/octet-stream"),
    "_text_request": ("text", "text/plain"),
    "_csv_request": ("text", "text/csv"),
    "_sse_stream": ("sse", "text/event-stream"),
    "_multipart_upload": ("json", None),
    "_multipart_upload_list": ("json", None),
    "_request": ("json", None),
}
MEDIA = {
    "JSON": "application/json",
    "YAML": "application/x-yaml",
    "YAML_RESPONSE": "application/yaml",
    "TEXT": "text/plain",
    "OCTET": "application/octet-stream",
    "CSV": "text/csv",
}


def camel(name):
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)


def media(node):
    """`self.TEXT` → text/plain; a string literal as is; anything else unknown."""
    if isinstance(node, ast.Attribute) and node.attr in MEDIA:
        return MEDIA[node.attr]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def kwarg(call, name):
    return next((k.value for k in call.keywords if k.arg == name), None)


class Function:
    def __init__(self, cls, fn):
        self.name = f"{cls}.{fn.name}"
        self.fn = fn
        self.path = None
        self.query = set()
        self.filters = False
        self.multipart = False

    def path_of(self, call):
        helper = call.func.attr
        parts = ["/api/v1"]
        for arg in call.args:
            if isinstance(arg, ast.Constant):
                parts.append(str(arg.value))
            elif isinstance(arg, ast.Name):
                parts.append("{" + camel(arg.id) + "}")
            else:
                return None
        if helper == "_superadmin_path":
            return "/".join(parts)
        if helper == "_tenant_path":
            return "/".join(parts)
        return None

    def query_of(self, call):
        """`_build_query_params(a=x, fooBar=y)`: the keyword names are the query names."""
        for k in call.keywords:
            if k.arg:
                self.query.add(k.arg)

    def read(self):
        final = None
        for node in ast.walk(self.fn):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            attr = node.func.attr
            if attr in ("_tenant_path", "_superadmin_path"):
                self.path = self.path_of(node)
            elif attr == "_build_query_params":
                self.query_of(node)
            elif attr == "_append_repeated_param" and isinstance(node.args[1], ast.Constant):
                self.query.add(node.args[1].value)
            elif attr == "_append_filter_params":
                self.filters = True
            elif attr in ("_build_inputs_multipart", "encode_multipart_formdata"):
                self.multipart = True
            elif attr in HELPERS and isinstance(node.func.value, ast.Name) and node.func.value.id == "self":
                final = node
        if final is None or self.path is None:
            return {"function": self.name, "parsed": False}
        helper = final.func.attr
        answer, accept = HELPERS[helper]
        if helper in ("_multipart_upload", "_multipart_upload_list") or kwarg(final, "files") is not None:
            self.multipart = True
        given_accept = kwarg(final, "accept")
        if given_accept is not None:
            accept = media(given_accept) or accept
        # The HTTP method is the first argument of every helper but _sse_stream and _csv_request.
        if helper in ("_sse_stream", "_csv_request"):
            method = "GET"
        else:
            first = final.args[0] if final.args else None
            method = first.value if isinstance(first, ast.Constant) else None
        body = None
        if self.multipart:
            body = "multipart/form-data"
        elif kwarg(final, "body") is not None:
            body = media(kwarg(final, "content_type")) if kwarg(final, "content_type") is not None else "application/json"
        return {
            "function": self.name,
            "parsed": True,
            "method": method,
            "path": self.path,
            "query": sorted(self.query | ({"filters"} if self.filters else set())),
            "body": body,
            "accept": accept or "*/*",
            "answer": answer,
        }


def main():
    root = pathlib.Path(sys.argv[1])
    version = sys.argv[2]
    functions = []
    for file in sorted((root / "kestrapy" / "api").glob("*_api.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for cls in (c for c in tree.body if isinstance(c, ast.ClassDef)):
            for fn in cls.body:
                if isinstance(fn, ast.FunctionDef) and not fn.name.startswith("_"):
                    functions.append(Function(cls.name, fn).read())
    functions.sort(key=lambda f: f["function"])
    out = {
        "sdk": {"name": "kestrapy", "version": version, "source": f"https://pypi.org/project/kestrapy/{version}/"},
        "note": "Generated by scripts/gen-kestrapy-ops.sh from the SDK's kestrapy/api/*.py; do not edit.",
        "functions": functions,
    }
    if not re.fullmatch(r"2\.0\.\d+", version):
        sys.exit(f"kestrapy {version} is not a 2.0.x release")
    json.dump(out, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
