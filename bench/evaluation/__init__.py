"""Scoring the matcher against the generator's truth: metrics, running the matcher, reports."""
