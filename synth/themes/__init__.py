"""Statements and their vectors to candidate priorities: clusters, labels, quotes, stability."""
