"""Where this server can be reached: the addresses it listens on, and the machine's LAN addresses.

A teacher's page often runs on http://127.0.0.1:8000, a link nobody else can open. The share
dialog asks the server which addresses it is bound to (the listening sockets of this process,
inherited by every uvicorn worker) and, when it listens on all interfaces (0.0.0.0 or ::), which
LAN addresses students can use; else it explains `make run HOST=0.0.0.0`.
"""

from __future__ import annotations

import ipaddress
import os
import socket

import psutil

from app.schemas.sessions import ServerAddresses

WILDCARDS = ("0.0.0.0", "::")


def listening() -> list[tuple[str, int]]:
    """(host, port) of every TCP socket this process listens on."""
    found = []
    for conn in psutil.Process(os.getpid()).net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr:
            found.append((conn.laddr.ip, conn.laddr.port))
    return sorted(set(found))


def lan_addresses() -> list[str]:
    """The machine's addresses that other machines may reach: no loopback, no link-local; IPv4 first."""
    found = []
    for addrs in psutil.net_if_addrs().values():
        for addr in addrs:
            if addr.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            try:
                ip = ipaddress.ip_address(addr.address.split("%", 1)[0])
            except ValueError:
                continue
            if ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified:
                continue
            found.append(ip)
    found.sort(key=lambda ip: (ip.version, not ip.is_private, int(ip)))
    return [str(ip) for ip in dict.fromkeys(found)]


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def server_addresses(port_hint: int | None = None) -> ServerAddresses:
    bound = listening()
    urls: list[str] = []
    for host, port in bound:
        if host in WILDCARDS:
            v6 = host == "::"
            urls += [_url(ip, port) for ip in lan_addresses() if v6 or ":" not in ip]
        elif not ipaddress.ip_address(host).is_loopback:
            urls.append(_url(host, port))
    urls = list(dict.fromkeys(urls))
    loopback_only = bool(bound) and not urls
    hint = None
    if loopback_only:
        hint = (
            "The server listens on this computer only (127.0.0.1): other devices cannot open its "
            "links. Restart it with `make run HOST=0.0.0.0` to share it on the local network."
        )
    elif not bound:
        hint = "The addresses this server listens on could not be read."
    return ServerAddresses(
        bound=[{"host": host, "port": port} for host, port in bound],
        loopback_only=loopback_only,
        lan_urls=urls,
        hint=hint,
    )
