"""A bare FastAPI endpoint returning the same shape as /v1/lookup: the ceiling to compare with."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()
BODY = {
    "matches": [
        {
            "id": "0" * 32,
            "name": "Alice Martin",
            "entries": [
                {
                    "id": "1" * 32,
                    "kind": "phone",
                    "label": "mobile",
                    "value": None,
                    "callable": True,
                }
            ],
        }
    ]
}


@app.get("/v1/lookup")
async def lookup(name: str | None = None, keys: str | None = None) -> dict[str, object]:
    return BODY
