"""TinyTSC signal controllers for Junction: a third-party adapter package (test fixture)."""
