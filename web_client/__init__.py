"""Gongzhi web pages: jinja2 templates and static assets served by the hub."""
