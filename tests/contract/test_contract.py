"""The contract's tests live in the package (wirecheck/contract/), so that an installed wirecheck runs
them from anywhere; they are imported here so that `pytest tests/` runs them too."""

from wirecheck.contract.test_basics import *  # noqa: F403
from wirecheck.contract.test_burst import *  # noqa: F403
from wirecheck.contract.test_close import *  # noqa: F403
from wirecheck.contract.test_connection_close import *  # noqa: F403
from wirecheck.contract.test_crowd import *  # noqa: F403
from wirecheck.contract.test_descriptor_limit import *  # noqa: F403
from wirecheck.contract.test_expect_continue import *  # noqa: F403
from wirecheck.contract.test_half_close import *  # noqa: F403
from wirecheck.contract.test_header_timeout import *  # noqa: F403
from wirecheck.contract.test_http10 import *  # noqa: F403
from wirecheck.contract.test_keep_alive import *  # noqa: F403
from wirecheck.contract.test_lingering_close import *  # noqa: F403
from wirecheck.contract.test_slow_reader import *  # noqa: F403
from wirecheck.contract.test_stop import *  # noqa: F403
