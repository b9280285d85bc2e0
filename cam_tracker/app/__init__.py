"""Use cases over an open store session: lookups, writes, the read model and its queries.

Every front end (the CLI, a web page, a feed) calls one function here per
thing it shows or does; none of them builds rows or converts dates itself.
"""
