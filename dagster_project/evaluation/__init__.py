"""Quality evaluation against hand-written gold: what the pipeline publishes, scored, not asserted."""
