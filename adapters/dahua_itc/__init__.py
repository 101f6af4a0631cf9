"""Dahua ITC enforcement cameras: eventManager attach stream for traffic events, snapshot.cgi."""
