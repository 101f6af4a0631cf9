"""Dahua (and Amcrest, Lorex) cameras over the HTTP CGI API (digest auth, event stream)."""
