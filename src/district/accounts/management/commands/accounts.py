"""``district accounts <verb>``: roles, users and API keys."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from district.accounts import services
from district.accounts.models import User
from district.accounts.roles import ROLES, sync_roles
from district.core.cli import AppCommand, Verb
from district.core.errors import InputError


class SyncRoles(Verb):
    name = "sync-roles"
    help = "Create the role groups and set their permissions from the apps' grants."
    example = "district accounts sync-roles"

    def run(self, **options: Any) -> None:
        for code, count in sync_roles().items():
            self.say(f"{code:18} {count} permission(s)")


class Roles(Verb):
    name = "roles"
    help = "List the roles."
    example = "district accounts roles"

    def run(self, **options: Any) -> None:
        for role in ROLES:
            self.say(f"{role.code:18} {role.label}: {role.description}")


class CreateApiKey(Verb):
    name = "create-api-key"
    help = "Create an API key for a machine client; the key is the last line printed."
    example = "district accounts create-api-key 'Open311 app' --user dispatcher"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--user", help="username the key acts for")

    def run(self, **options: Any) -> None:
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise InputError(f"No user {options['user']!r}", field="user")
        key, raw = services.create_api_key(name=options["name"], user=user)
        self.say(f"API key {key.name!r} created; store it now, it is not shown again:")
        self.say(raw)


class RevokeApiKey(Verb):
    name = "revoke-api-key"
    help = "Revoke an API key by its prefix (the first 12 characters)."
    example = "district accounts revoke-api-key dk_AbCdEfGh"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix")

    def run(self, **options: Any) -> None:
        key = services.revoke_api_key(prefix=options["prefix"])
        self.say(f"revoked {key}")


class Command(AppCommand):
    app_help = "People, departments, roles and API keys."
    verbs = [SyncRoles, Roles, CreateApiKey, RevokeApiKey]
