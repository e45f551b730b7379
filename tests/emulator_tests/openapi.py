"""Check emulator payloads against the Spotify OpenAPI description in ../shared/reference.

The reference README lists where real responses differ from the description; those points, and
only those, are relaxed in `relaxed_components()`, each one written out below. One further
change is not a relaxation: the discriminator on playlist entries gets an explicit mapping
(see `_explicit_discriminator`).
"""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator, oas30_format_checker
import yaml  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]


def reference_dir() -> Path:
    """`../shared/reference` beside the repository (SPOTIFREAK_SHARED_DIR overrides `../shared`)."""
    shared = Path(os.environ.get("SPOTIFREAK_SHARED_DIR", ROOT.parent / "shared"))
    return shared / "reference"


@functools.cache
def spec() -> dict[str, Any]:
    path = reference_dir() / "spotify-openapi.yml"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: the emulator tests need ../shared/reference beside the repository"
        )
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader
    return data


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The same schema, also accepting null."""
    if "type" in schema and not any(k in schema for k in ("allOf", "oneOf", "anyOf", "$ref")):
        relaxed = {**schema, "nullable": True}
        if "enum" in relaxed:
            relaxed["enum"] = [*relaxed["enum"], None]
        return relaxed
    return {"anyOf": [schema, {"enum": [None]}]}


def _explicit_discriminator(schema: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """The entries' `oneOf [TrackObject, EpisodeObject]` carries `discriminator: {propertyName:
    type}` without a mapping. Under OAS 3.0 the implicit mapping takes the schema *name* from
    the value, so `"type": "track"` would look for `#/components/schemas/track`, which does not
    exist, and every real entry would fail. Spelling the evident mapping out (track →
    TrackObject, episode → EpisodeObject) keeps the check exactly as strict as intended."""
    fixed = copy.deepcopy(schema)
    fixed["discriminator"] = {"propertyName": "type", "mapping": mapping}
    return fixed


@functools.cache
def relaxed_components() -> dict[str, Any]:
    components: dict[str, Any] = copy.deepcopy(spec()["components"])
    schemas = components["schemas"]

    # -- README: "it marks too few fields nullable (real data has null images, image
    #    height/width, description, public, added_at, added_by, track/item)".
    for name in ("SimplifiedPlaylistObject", "PlaylistObject"):
        props = schemas[name]["properties"]
        props["images"] = _nullable(props["images"])  # null `images` (e.g. empty playlists)
        props["description"] = _nullable(props["description"])  # null `description`
        props["public"] = _nullable(props["public"])  # null `public`
    image = schemas["ImageObject"]["properties"]
    for key in ("height", "width"):  # null image height/width: already nullable in this spec
        assert image[key].get("nullable") is True
    entry = schemas["PlaylistTrackObject"]["properties"]
    entry["added_at"] = _nullable(entry["added_at"])  # null `added_at` (very old playlists)
    entry["added_by"] = _nullable(entry["added_by"])  # null `added_by`

    # -- README: "it does not model local tracks (null ids, album fields null)". A local
    #    track is a TrackObject whose ids, hrefs and URIs (its own, its artists', its album's)
    #    and album fields may be null; it must say `is_local: true`. Accepted only inside
    #    playlist entries, the one place local files appear.
    local = copy.deepcopy(schemas["TrackObject"])
    local["properties"]["id"] = _nullable(local["properties"]["id"])
    local["properties"]["href"] = _nullable(local["properties"]["href"])
    local["properties"]["is_local"] = {"type": "boolean", "enum": [True]}
    local["required"] = ["is_local"]
    local_artist = copy.deepcopy(schemas["SimplifiedArtistObject"])
    for key in ("id", "href", "uri"):
        local_artist["properties"][key] = _nullable(local_artist["properties"][key])
    local["properties"]["artists"] = {"type": "array", "items": local_artist}
    local_album = copy.deepcopy(schemas["AlbumBase"])
    for key in (
        "album_type",
        "total_tracks",
        "href",
        "id",
        "release_date",
        "release_date_precision",
        "uri",
    ):
        local_album["properties"][key] = _nullable(local_album["properties"][key])
    local_album["properties"]["artists"] = {"type": "array", "items": local_artist}
    local["properties"]["album"] = local_album
    schemas["LocalTrackObject"] = local
    schemas["TrackOrLocalTrackObject"] = {
        "anyOf": [
            {"$ref": "#/components/schemas/TrackObject"},
            {"$ref": "#/components/schemas/LocalTrackObject"},
        ]
    }
    mapping = {
        "track": "#/components/schemas/TrackOrLocalTrackObject",
        "episode": "#/components/schemas/EpisodeObject",
    }
    for key in ("item", "track"):
        # null `track`/`item` (unavailable items), from the first README point
        entry[key] = _nullable(_explicit_discriminator(entry[key], mapping))

    # -- README: "episodes without is_playable".
    episode = schemas["EpisodeBase"]
    episode["required"] = [name for name in episode["required"] if name != "is_playable"]

    # -- README: "it does not declare Retry-After on 429": headers are not part of these body
    #    schemas; the tests check the header on its own.
    return components


def _resolve(ref: str) -> dict[str, Any]:
    node: Any = spec()
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    result: dict[str, Any] = node
    return result


def _validate(schema: dict[str, Any], payload: Any) -> None:
    document = {**schema, "components": relaxed_components()}
    validator = OAS30Validator(document, format_checker=oas30_format_checker)
    errors = sorted(validator.iter_errors(payload), key=lambda e: list(e.absolute_path))
    if errors:
        details = "\n".join(f"- {list(e.absolute_path)}: {e.message[:300]}" for e in errors[:10])
        raise AssertionError(f"{len(errors)} schema violation(s):\n{details}")


def validate_response(path: str, method: str, status: int, payload: Any) -> None:
    """Validate `payload` against the response the spec declares for this operation."""
    response = spec()["paths"][path][method.lower()]["responses"][str(status)]
    if "$ref" in response:
        response = _resolve(response["$ref"])
    _validate(response["content"]["application/json"]["schema"], payload)


ERROR_RESPONSES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    429: "TooManyRequests",
}


def validate_error(status: int, payload: Any) -> None:
    """Spotify's error body (`{"error": ErrorObject}`) and that its status matches."""
    name = ERROR_RESPONSES.get(status, "BadRequest")  # 5xx: the same body shape
    _validate(
        spec()["components"]["responses"][name]["content"]["application/json"]["schema"], payload
    )
    assert payload["error"]["status"] == status


def validate_schema(name: str, payload: Any) -> None:
    """Validate against one named component schema (relaxed as above)."""
    _validate({"$ref": f"#/components/schemas/{name}"}, payload)
