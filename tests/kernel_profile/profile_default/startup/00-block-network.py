"""Blocks network access to other machines while the course's notebooks are tested; loopback stays open.

This is the portable, Python-level block: code that skips the socket module (`_socket`, a subprocess, `!curl`)
gets past it. Where it can, `course.py test` also runs everything in a network namespace with only loopback.
"""


def _block_network():
    # Everything lives in this function so no name leaks into the notebook's namespace.
    import ipaddress
    import socket

    class NetworkBlockedError(ConnectionError):
        """Raised instead of reaching a host that is not this machine."""

    own_hostname = socket.gethostname().lower()

    def is_local(host, *, resolving=False):
        if host is None:  # getaddrinfo(None, port) asks for a local wildcard address
            return True
        if isinstance(host, bytes):
            host = host.decode(errors="replace")
        host = str(host).strip("[]").split("%")[0].lower()  # drop IPv6 brackets and scope id
        if host in ("", "localhost") or host.endswith(".localhost"):
            return True
        if resolving and host == own_hostname:  # looking up this machine's own name stays local
            return True
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False  # any other name would need DNS
        ip = getattr(ip, "ipv4_mapped", None) or ip
        return ip.is_loopback or ip.is_unspecified  # 0.0.0.0 and :: reach this machine too

    def refuse(what):
        raise NetworkBlockedError(
            f"Network access is blocked while the course's notebooks are tested: {what}. "
            "Use the offline model (COURSE_PROVIDER=offline) or a server on 127.0.0.1."
        )

    def checked_address(address):
        if isinstance(address, tuple) and address and not is_local(address[0]):
            refuse(f"connecting to {address[0]!r}")

    def wrap_resolver(original):
        def resolver(host, *args, **kwargs):
            if not is_local(host, resolving=True):
                refuse(f"resolving {host!r}")
            return original(host, *args, **kwargs)

        return resolver  # no __wrapped__: the original stays out of reach of the notebook

    def wrap_connect(original):
        def connect(self, address):
            checked_address(address)
            return original(self, address)

        return connect

    original_sendto, original_sendmsg = socket.socket.sendto, socket.socket.sendmsg

    def sendto(self, data, *args):
        checked_address(args[-1] if args else None)
        return original_sendto(self, data, *args)

    def sendmsg(self, buffers, ancdata=(), flags=0, address=None):
        checked_address(address)
        return original_sendmsg(self, buffers, ancdata, flags, *(() if address is None else (address,)))

    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        setattr(socket, name, wrap_resolver(getattr(socket, name)))
    socket.socket.connect = wrap_connect(socket.socket.connect)
    socket.socket.connect_ex = wrap_connect(socket.socket.connect_ex)
    socket.socket.sendto = sendto
    socket.socket.sendmsg = sendmsg


_block_network()
del _block_network
