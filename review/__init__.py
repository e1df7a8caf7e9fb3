"""Everything an editor sees: the static review report, the review server, their templates and static files.

``review.report`` writes ``out/report/`` (index, article and study pages, paged data
files); ``review.server`` serves it on 127.0.0.1 with corrections that stick;
``review.charts`` computes the charts' geometry. Pages are Jinja2 templates in
``templates/`` (autoescaped, all extending ``base.html``); JavaScript and CSS are files
in ``static/``, copied into ``out/report/static/`` so the report opens from disk.
Python here gathers data and renders templates: it builds no markup itself.
"""
