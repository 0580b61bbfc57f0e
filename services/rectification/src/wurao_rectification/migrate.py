"""`python -m wurao_rectification.migrate`: applies the pending migrations and exits (the cluster's migration Job)."""

from wurao_common.migrate import main
from wurao_rectification.app import MIGRATIONS

if __name__ == "__main__":
    main("rectification", MIGRATIONS)
