"""A minimal HTTP CONNECT proxy for scripts/dev-broker: tunnels to 127.0.0.1 only.

Usage: python3 scripts/connect-proxy.py PORT
"""

import socket
import sys
import threading

ALLOWED_HOSTS = {"127.0.0.1", "localhost"}


def pipe(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def handle(client):
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = client.recv(4096)
        if not chunk:
            client.close()
            return
        request += chunk
    method, target = request.split(b"\r\n", 1)[0].split(b" ")[:2]
    host, _, port = target.decode().rpartition(":")
    if method != b"CONNECT" or host not in ALLOWED_HOSTS:
        client.sendall(b"HTTP/1.1 403 Forbidden\r\n\r\n")
        client.close()
        return
    try:
        upstream = socket.create_connection((host, int(port)))
    except OSError:
        client.sendall(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
        client.close()
        return
    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
    pipe(client, upstream)


def main():
    server = socket.create_server(("127.0.0.1", int(sys.argv[1])))
    while True:
        client, _ = server.accept()
        threading.Thread(target=handle, args=(client,), daemon=True).start()


if __name__ == "__main__":
    main()
