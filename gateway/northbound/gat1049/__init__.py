"""GA/T 1049.1/1049.2 TCP/XML server over the gateway's state cache and command path."""
