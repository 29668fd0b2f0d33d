"""Where voters' phones open the app: the address on personal links, QR codes and cards.

In order: the address staff saved in the app (kept beside the database, so it is set once),
``SYNTH_PUBLIC_URL``, this machine's address on the local network when the app listens
there, and the loopback address, which only this computer can open.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import streamlit as st

from synth.decisions.voter_codes import ballot_link
from synth.errors import InputError
from synth.settings import load as load_settings

log = logging.getLogger(__name__)

SETTING = "public-url.txt"
ENV = "SYNTH_PUBLIC_URL"
# Any private address will do: "connecting" a UDP socket sends nothing, it only makes the
# system pick the interface that would carry the traffic, so no network access is needed.
_PROBE = ("10.255.255.255", 1)
Source = Literal["saved", "environment", "network", "loopback"]


def lan_address() -> str | None:
    """This machine's IPv4 address on the local network, or None when it has only loopback."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_PROBE)
            address = probe.getsockname()[0]
    except OSError:  # no network at all
        return None
    ip = ipaddress.ip_address(address)
    return None if ip.is_loopback or ip.is_unspecified else address


def is_loopback(url: str) -> bool:
    """True when ``url`` names this computer only (127.x, ::1, localhost, 0.0.0.0): no phone
    can open it."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def listens_on_network() -> bool:
    """True when the app takes connections from other machines, not only from this one
    (Streamlit's ``server.address``: unset means every interface; this project's config
    sets 127.0.0.1, so it is local until staff choose to serve the room)."""
    address = (st.get_option("server.address") or "").strip("[]")
    if address in ("", "0.0.0.0", "::"):
        return True
    return not is_loopback(f"http://[{address}]/" if ":" in address else f"http://{address}/")


def port() -> int:
    """The port the app is served on."""
    return int(st.get_option("server.port") or 8501)


def setting_file(folder: Path) -> Path:
    """Where the saved public address is kept (beside the database, with the passcode)."""
    return folder / SETTING


def saved(folder: Path) -> str | None:
    """The public address staff saved, if any."""
    try:
        return setting_file(folder).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def save(folder: Path, url: str) -> str | None:
    """Save the address voters open (an empty one goes back to the automatic choice)."""
    from synth.files import atomic_write_text

    url = url.strip()
    if not url:
        setting_file(folder).unlink(missing_ok=True)
        return None
    if "://" not in url:
        url = f"http://{url}"
    ballot_link(url, "CHECKCODE")  # raises InputError for anything that is no web address
    if not urlsplit(url).hostname or any(ch.isspace() for ch in url):
        raise InputError(f"'{url}' is no web address: type it as phones open it, e.g. "
                         "http://192.168.1.20:8501/")
    if not urlsplit(url).path:
        url += "/"
    atomic_write_text(setting_file(folder), url + "\n")
    log.info("public address saved")
    return url


def base_url(folder: Path) -> tuple[str, Source]:
    """The address personal links start with, and where it came from."""
    if url := saved(folder):
        return url, "saved"
    if url := load_settings().public_url:
        return url, "environment"
    if listens_on_network() and (address := lan_address()):
        return f"http://{address}:{port()}/", "network"
    return f"http://127.0.0.1:{port()}/", "loopback"
