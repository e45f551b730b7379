"""Run the emulator: `python -m tests.emulator --port 8990 [--seed 1 --playlists 40 ...]`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .library import Library
from .server import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator
from .spotify_api import PAYLOAD_SHAPES


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.emulator",
        description="Spotify Web API, accounts service and Last.fm emulator.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8990, help="port (0 = any free port; default 8990)"
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--playlists", type=int, default=40, help="entries in the user's playlist list"
    )
    parser.add_argument("--liked", type=int, default=150, help="liked songs")
    parser.add_argument("--catalogue", type=int, default=400, help="searchable catalogue tracks")
    parser.add_argument("--lastfm-users", type=int, default=1, help="Last.fm users with top tracks")
    parser.add_argument("--dataset", help="load this JSON dataset instead of generating one")
    parser.add_argument(
        "--save-dataset", help="write the library as a JSON dataset to this file and go on"
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="added latency per request, in milliseconds"
    )
    parser.add_argument(
        "--payload-shape", choices=PAYLOAD_SHAPES, default="both", help="2026 payload shape"
    )
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument(
        "--token-lifetime", type=float, default=3600, help="access token lifetime, seconds"
    )
    parser.add_argument(
        "--print-token", action="store_true", help="issue and print an access/refresh token pair"
    )
    return parser.parse_args(argv)


def build(args: argparse.Namespace) -> Emulator:
    if args.dataset:
        library = Library.load(args.dataset)
    else:
        library = Library.generate(
            seed=args.seed,
            playlists=args.playlists,
            liked=args.liked,
            catalogue=args.catalogue,
            lastfm_users=args.lastfm_users,
        )
    if args.save_dataset:
        library.save(args.save_dataset)
    return Emulator(
        library,
        latency=args.latency / 1000,
        payload_shape=args.payload_shape,
        client_id=args.client_id,
        client_secret=args.client_secret,
        token_lifetime=args.token_lifetime,
    )


def banner(emu: Emulator, *, print_token: bool) -> str:
    lib = emu.library
    lines = [
        f"Spotifreak emulator listening on {emu.base_url}",
        f"  Spotify Web API   {emu.api_url}",
        f"  Accounts          {emu.authorize_url}  {emu.token_url}",
        f"  Last.fm           {emu.lastfm_url}",
        f"  Admin             {emu.base_url}/_emulator/state",
        f"  User              {lib.user_id} ({len(lib.me_playlists)} playlists, {len(lib.liked)} liked, {len(lib.tracks)} catalogue tracks)",
        f"  OAuth client      client_id={emu.client_id} client_secret={emu.client_secret}",
        f"  Last.fm           api_key={lib.lastfm_api_keys[0] if lib.lastfm_api_keys else '-'} users={', '.join(lib.lastfm_users) or '-'}",
    ]
    if print_token:
        tokens = emu.issue_tokens()
        lines += [
            f"  access_token      {tokens['access_token']}",
            f"  refresh_token     {tokens['refresh_token']}",
        ]
    lines += ["", "export these for Home Assistant:"]
    lines += [f"export {name}={value}" for name, value in emu.env.items()]
    lines += ["", "Ctrl-C stops."]
    return "\n".join(lines)


async def serve(args: argparse.Namespace) -> None:
    emu = build(args)
    await emu.start(host=args.host, port=args.port)
    print(banner(emu, print_token=args.print_token), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emu.stop()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()
