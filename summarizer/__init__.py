"""Minutes produced from a meeting's event log (issue 6).

``build.build_minutes(records)`` turns a meeting's log into a ``model.Minutes`` tree (speeches summarised
by ``extractive``, action items by ``actions``); ``draft.sections`` writes the editable draft
(entries of plain-text fields; ``editor`` shows them to the recorder);
``document.load_document(records)`` gives the minutes as the log holds them (draft, edited, published) for
the renderers (``render_md``, ``render_html``, ``render_docx``, ``render_pdf``). Everything here is pure
except the renderers' font lookup; the hub drafts on close (``meeting_server.hub.minutes``).
"""
