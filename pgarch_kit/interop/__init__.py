"""L2: exchange formats with other tools — DBML (dbdiagram.io) in and out, SQLAlchemy models
and Alembic revisions for the application team. All of it is text: nothing here imports
SQLAlchemy or Alembic."""
from .alembic import AlembicRevisionError, alembic_revision
from .dbml import dbml_losses, from_dbml, to_dbml
from .orm_models import sqlalchemy_models

__all__ = [
    "dbml_losses", "from_dbml", "to_dbml",
    "sqlalchemy_models",
    "AlembicRevisionError", "alembic_revision",
]
