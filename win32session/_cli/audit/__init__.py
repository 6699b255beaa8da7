"""The audit service: what ``win32session service run`` runs as LocalSystem,
and what it trusts.

``service`` writes every event to the trail; ``folder`` is where it writes and
how that folder is protected; ``trust`` decides which code and which files
the service may trust (nothing a non-administrator can change);
``image_path`` is the command line the service control manager runs.
"""
