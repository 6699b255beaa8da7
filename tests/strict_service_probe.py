"""Prints whether the strict layer is on in this process: run by
test_service_manager through ``strict_service.CHILD_MAIN``, as the command
line's child processes are."""

import strict_service

print(strict_service.active())
