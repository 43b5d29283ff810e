"""Qudao — channel-operations platform."""
