#!/usr/bin/env python3
"""One Varlink call over a Unix socket with nothing but the standard library (so it runs as any
user with the system's python3): rawcall.py SOCKET METHOD [PARAMETERS-JSON].
Prints the reply's parameters (or the error name and parameters) as JSON; exit 0 for a reply,
1 for an error reply, 3 when the socket cannot be reached."""
import json
import socket
import sys


def main() -> int:
    path, method = sys.argv[1], sys.argv[2]
    parameters = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    try:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(path)
    except OSError as error:
        print(f"cannot reach {path}: {error}", file=sys.stderr)
        return 3
    connection.sendall(json.dumps({"method": method, "parameters": parameters}).encode() + b"\0")
    data = b""
    while not data.endswith(b"\0"):
        chunk = connection.recv(65536)
        if not chunk:
            print("connection closed before the reply", file=sys.stderr)
            return 3
        data += chunk
    reply = json.loads(data[:-1])
    if "error" in reply:
        print(f"{reply['error']} {json.dumps(reply.get('parameters', {}))}", file=sys.stderr)
        return 1
    print(json.dumps(reply.get("parameters", {})))
    return 0


if __name__ == "__main__":
    sys.exit(main())
