"""Command-line administration: `python -m bot.admin user create NAME --role ROLE`."""
