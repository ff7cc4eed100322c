"""The long-running service: scheduled crawls, feed regeneration, maintenance, and serving."""

from scheduler.service import Service, ServiceConfig

__all__ = ["Service", "ServiceConfig"]
