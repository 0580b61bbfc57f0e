pytest_plugins = ["wurao_common.testing"]
