"""Production ``Y[r,j]`` (spec section 3): nested KLEM for ordinary sectors, CES of the
resource rent and a Leontief bundle for resource sectors. Zero profit of each block is
``(1−to)·PY·vom ≥ Σ purchases at buyer prices``; input demands follow by Shephard's lemma."""

from __future__ import annotations

from cge.bca import border, carbon, closures, growth, recycling, taxes
from cge.bca.declaration import Declaration
from cge.bca.formulas import rent_share, resource_sigma
from cge.core.blocks import TOP, Input, Nest, Output, Production


def output(d: Declaration, r: str, j: str) -> Output:
    """Sales ``vom[r,j]·λ[r,j]`` per unit of activity at ``PY[r,j]`` net of the output tax, the
    carbon price on process emissions and (a border measure) the output-based rebate; ``λ`` is
    the Hicks-neutral ``productivity`` (1 at the benchmark, :mod:`cge.bca.shocks`)."""
    wedges = taxes.output_tax(d, r, j) + carbon.process_charge(d, r, j) + border.output_rebate(d, r, j)
    return Output(d.PY[r, j], d.fl("vom", r, j) * d.shocks["productivity"][r, j], wedges=wedges,
                  label=("vom", r, j))


def intermediate_inputs(d: Declaration, r: str, j: str, nest_of) -> list[Input]:
    """Sector j's purchases ``vid[r,i,j]`` of Armington goods at ``PA[r,i]`` plus purchase tax and
    carbon charge, each in nest ``nest_of(i)``; energy goods ``vid·aeei[r,i]`` (:mod:`cge.bca.growth`)."""
    return [Input(d.PA[r, i], growth.energy_quantity(d, r, i, q), nest_of(i), carbon.fuel_purchase(d, r, i, q, j),
                  label=("vid", r, i, j))
            for i, q in d.fl.nonzero("vid", region=r, sector=j)]


def factor_inputs(d: Declaration, r: str, j: str, nest: str) -> list[Input]:
    """Sector j's factor payments ``vfm[r,f,j]`` at ``(1+tf)·PF[r,f]``, in nest ``nest`` (capital at its
    sector's rent ``PK[r,j]`` when sector-specific; labour with the labour-tax change of revenue
    recycling: :func:`cge.bca.closures.capital_price`, :func:`cge.bca.recycling.factor_wedges`). With
    factor-augmenting productivity ``λ`` (``factor_productivity``) the physical quantity is ``vfm/λ``
    at the reference price ``(1+tf⁰)·λ``: the effective price is ``(1+tf)·PF/λ``."""
    out = []
    for f, q in d.fl.nonzero("vfm", region=r, sector=j):
        lam = d.shocks["factor_productivity"][r, f, j]
        out.append(Input(closures.capital_price(d, r, f, j), q / lam, nest, recycling.factor_wedges(d, r, f, j),
                         reference_price=(1 + d.fl("tf", r, f, j)) * lam, label=("vfm", r, f, j)))
    return out


def klem_nest_of(d: Declaration, i: str) -> str:
    """Where good i sits: crude oil a Leontief refinery feedstock beside the KLEM composite
    (top), fossil fuels in ``ff``, electricity in ``e``, everything else in materials ``m``."""
    tags = d.tags
    return TOP if i in tags.crude else "ff" if i in tags.fossil else "e" if i in tags.electricity else "m"


def production(d: Declaration, r: str, j: str) -> Production:
    """``Y = CES_σklem( m: Leontief(materials) ; kle: CES_σkle( va: CES_σva(factors) ;
    e: CES_σe( electricity ; ff: CES_σff(fossil fuels) ) ) )``; in refineries
    ``Y = min(crude, KLEM)``. Empty nests drop out."""
    inputs = intermediate_inputs(d, r, j, lambda i: klem_nest_of(d, i)) + factor_inputs(d, r, j, "va")
    uses_crude = any(inp.nest == TOP for inp in inputs)
    klem = "klem" if uses_crude else TOP
    nests = [Nest(TOP, 0.0)] if uses_crude else []
    nests += [
        Nest(klem, d.el("sigma_klem", j), TOP if uses_crude else None),
        Nest("m", 0.0, klem),
        Nest("kle", d.el("sigma_kle", j), klem),
        Nest("va", d.el("sigma_va", j), "kle"),
        Nest("e", d.el("sigma_e", j), "kle"),
        Nest("ff", d.el("sigma_ff", j), "e"),
    ]
    return Production(d.Y[r, j], [output(d, r, j)], inputs, nests, label=("Y", r, j))


def resource_sector(d: Declaration, r: str, j: str) -> Production:
    """``Y = CES_σres( resource PR[r,j] ; bundle: Leontief(all other inputs) )`` with
    ``σres = η·θ'/(1−θ')``, ``θ' = max(θres, 5%)`` (:func:`resource_sigma`, which says why the floor;
    ``η`` the mutable ``eta`` of sector j)."""
    inputs = intermediate_inputs(d, r, j, lambda i: "bundle") + factor_inputs(d, r, j, "bundle")
    inputs.append(Input(d.PR[r, j], d.fl("vrs", r, j), TOP, label=("vrs", r, j)))
    sigma_res = d.el("eta", j) * resource_sigma(1.0, rent_share(d.fl, r, j))
    nests = [Nest(TOP, sigma_res), Nest("bundle", 0.0, TOP)]
    return Production(d.Y[r, j], [output(d, r, j)], inputs, nests, label=("Y", r, j))
