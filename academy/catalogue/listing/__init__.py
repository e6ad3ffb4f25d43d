"""Providers' own pages under /provide/: their organisation, offers, dates, workflow."""
