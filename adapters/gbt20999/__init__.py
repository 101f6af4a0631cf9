"""GB/T 20999-2017 signal controllers over TCP or UDP; see README.md."""
