"""A broadcast's fragment framed once and written to every idle socket's connection (README.md beside this file).

Sent the ASGI way, each of a broadcast's sockets costs a task woken for
the message, the socket's handler, and the server's ``websocket.send``,
which encodes the text and builds its frame again for every socket: about
24 us a socket under uvicorn, against about 5 for writing the finished
frame to the connection (bench/README.md, round four, thirteenth part).
A server-to-client text frame is the same bytes for every socket that
negotiated no extension (RFC 6455: the server does not mask), so the
channel layer frames the fragment once, with the ``websockets`` library
the server itself frames with, and writes it to each socket whose
consumer is waiting for the layer with nothing queued, and whose
connection is open, not paused for a slow reader and compresses nothing.
Every other socket gets the message through its consumer, as before.

Only uvicorn's default websocket protocol (``websockets-sansio``) is
written to this way; under any other server, or another of uvicorn's
protocols, ``writer_for`` answers None and nothing changes.
"""

from websockets.frames import Frame, Opcode
from websockets.protocol import State

try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError:  # pragma: no cover - uvicorn is in requirements.txt
    WebSocketsSansIOProtocol = None

# Frames written to connections this way, since the process started (the benchmark reports it).
written = 0


def text_frame(text: str) -> bytes:
    """The text as one unmasked, uncompressed text frame: what the server's own send writes for it."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


class FrameCache:
    """A message's frame, built on first use: one per broadcast message, whatever the sockets."""

    __slots__ = ("frame", "text")

    def __init__(self, text: str):
        self.text = text
        self.frame = None

    def get(self) -> bytes:
        if self.frame is None:
            self.frame = text_frame(self.text)
        return self.frame


class SansIOWriter:
    """Writes finished frames to one uvicorn ``websockets-sansio`` connection, when it may take them now."""

    __slots__ = ("protocol",)

    def __init__(self, protocol):
        self.protocol = protocol

    def write(self, frames: FrameCache) -> bool:
        """Write the frame if the connection is open, unpaused and plain; whether it was written.

        The conditions are the ones under which the server's own
        ``websocket.send`` would write the frame at once: the handshake
        done, no close sent or received, the transport not closing nor
        paused by its buffer (a slow reader's socket goes the usual way,
        and waits), and no extension (permessage-deflate) negotiated.
        """
        protocol = self.protocol
        conn = protocol.conn
        if (
            not protocol.handshake_complete
            or protocol.close_sent
            or protocol.disconnected
            or protocol.initial_response is not None
            or not protocol.writable.is_set()
            or conn.state is not State.OPEN
            or conn.extensions
            or conn.expect_continuation_frame
        ):
            return False
        transport = protocol.transport
        if transport.is_closing():
            return False
        transport.write(frames.get())
        global written  # noqa: PLW0603 - a counter for the benchmark
        written += 1
        return True


def writer_for(send) -> SansIOWriter | None:
    """A frame writer for the connection behind an ASGI ``send``; None where there is none to write to."""
    protocol = getattr(send, "__self__", None)
    if WebSocketsSansIOProtocol is None or type(protocol) is not WebSocketsSansIOProtocol:
        return None
    if getattr(send, "__func__", None) is not WebSocketsSansIOProtocol.send:
        return None
    return SansIOWriter(protocol)


def release_handshake(send, scope: dict) -> None:
    """Let go of what only the handshake needed, once it is answered.

    uvicorn's ``websockets-sansio`` protocol keeps the handshake's request and
    response (each with its headers) for the connection's life, the
    ``websockets`` parser keeps the request again, and the scope keeps its
    headers once more as a list of byte pairs. After the handshake none of
    them is read again (uvicorn's log lines name the client and the path,
    which stay), and a board socket lives for a shift. Only for the protocol
    ``writer_for`` writes to, and only once the handshake has been answered
    (bench/README.md, round four, twenty-third part, has what it saves).
    """
    protocol = getattr(send, "__self__", None)
    if WebSocketsSansIOProtocol is None or type(protocol) is not WebSocketsSansIOProtocol:
        return
    if not protocol.handshake_complete or getattr(protocol, "request", None) is None:
        return
    # The request also stays in the websockets parser's suspended frame, for the connection's life: its
    # headers are emptied in place (the parser reads none of them again once the connection is open).
    protocol.request.headers.clear()
    protocol.request = protocol.response = None
    # The list every layer of the application's scope shares (channels' routers copy the dict, not the list).
    headers = scope.get("headers")
    if isinstance(headers, list):
        headers.clear()
