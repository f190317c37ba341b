"""The application under test, plus the floor, in one server process.

``/bench/floor/`` is the physical floor of the machine: a minimal raw ASGI
broadcaster. Sockets open on ``/bench/floor/ws/``; a POST to
``/bench/floor/send/`` sends its body, as it is, to every one of them, one
after the other, and answers 204. No Django, no channel layer, no database:
what remains is the server's own websocket path and the client's, which the
application's fan-out pays too. Every other path goes to the real
application, unchanged.
"""

from site_ops.asgi import application as site_ops_application


class Floor:
    def __init__(self):
        self.sockets = set()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.accept"})
            self.sockets.add(send)
            try:
                while (await receive())["type"] != "websocket.disconnect":
                    pass
            finally:
                self.sockets.discard(send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        text = body.decode()
        for socket_send in list(self.sockets):
            await socket_send({"type": "websocket.send", "text": text})
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


floor = Floor()


async def application(scope, receive, send):
    if scope["type"] in ("http", "websocket") and scope["path"].startswith("/bench/floor/"):
        return await floor(scope, receive, send)
    return await site_ops_application(scope, receive, send)
