"""``captioner edit``: a local caption studio in the browser (see :mod:`captioner.edit.app`)."""
