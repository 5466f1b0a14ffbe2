"""The site power envelope (instances/README.md, "Site power envelope"); read only under a ``site`` section.

A site has ``it_power_w`` of IT power for its G GPUs (``gpu_w`` each, host share included) and their
network. Every watt the network draws is a watt no GPU can use, so over the horizon of ``years`` it
displaces the GPU capacity

    site_usd_per_w = 8766 x years x gpu_hour_usd / gpu_w        (USD per network watt)

which the ``tco`` objective adds to the energy price of each watt (a coefficient on the power terms that
are already there: no new row). The network's power P is worth P / gpu_w GPUs (``gpus_displaced``) and
P x site_usd_per_w USD (``gpus_displaced_usd``, part of ``tco_usd``). With ``it_power_w`` the network may
draw at most

    it_power_w - G x gpu_w                                        (W)

which joins ``limits.max_power_w`` (the smaller of the two is the row of the ``limits`` family).

Precedence: ``site.gpus``, else ``reliability.gpus``, else the summed NIC group counts; ``site.gpu_hour_usd``,
else ``reliability.gpu_hour_usd`` (with a ``reliability`` section), else 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.core.schema import Instance, NicNode

HOURS_PER_YEAR = 8766.0


@dataclass(frozen=True)
class SiteParams:
    """The site figures after the defaults are applied."""

    gpus: int
    gpu_w: float
    gpu_hour_usd: float
    years: float
    it_power_w: float | None

    @property
    def usd_per_w(self) -> float:
        """GPU capacity one network watt displaces over the horizon (USD)."""
        return HOURS_PER_YEAR * self.years * self.gpu_hour_usd / self.gpu_w

    @property
    def gpu_power_w(self) -> float:
        """Power of the site's GPUs (W)."""
        return self.gpus * self.gpu_w

    @property
    def network_cap_w(self) -> float | None:
        """The most power the network may draw (None without ``it_power_w``); negative when the GPUs alone
        exceed the site."""
        return None if self.it_power_w is None else self.it_power_w - self.gpu_power_w

    def displaced(self, power_w: float) -> tuple[float, float]:
        """(GPUs displaced, their value over the horizon in USD) by ``power_w`` of network power."""
        return power_w / self.gpu_w, power_w * self.usd_per_w


def site_params(instance: Instance) -> SiteParams | None:
    """The site figures of an instance (None without a ``site`` section)."""
    s = instance.site
    if s is None:
        return None
    rel = instance.reliability
    gpus = s.gpus or (rel.gpus if rel is not None else None)
    if gpus is None:
        gpus = sum(n.count for n in instance.nodes if isinstance(n, NicNode))
    value = s.gpu_hour_usd
    if value is None:
        value = rel.gpu_hour_usd if rel is not None else 0.0
    return SiteParams(gpus, s.gpu_w, value, instance.economics.years, s.it_power_w)
