"""The web page: server-rendered Jinja2 over the same use cases the v1 API calls.

Nothing here decides who may see what: every read and write goes through ``phonebook``'s
use cases (the access policy lives there). Only the composition root imports this package
(``web.install``)."""
