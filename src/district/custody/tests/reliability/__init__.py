"""The custody reliability suite (issue 6): conservation under concurrency, races, kill -9,
a stateful model, rounding through the services, and journal tampering.

Sizes come from the environment so that CI runs small versions and a full run is one
variable away (``DISTRICT_CUSTODY_FULL=1``, or each ``DISTRICT_CUSTODY_*`` size alone);
see :mod:`.sizes`.
"""
