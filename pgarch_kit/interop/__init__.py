"""L2: exchange formats with other tools — DBML (dbdiagram.io) in and out."""
from .dbml import dbml_losses, from_dbml, to_dbml

__all__ = ["dbml_losses", "from_dbml", "to_dbml"]
