"""``captioner resync``: old captions timed again to their media (an offset, a frame-rate ratio,
and splits where material was cut or inserted), their text and order kept."""
