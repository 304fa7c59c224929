"""The blocks of the BCA model (``../shared/spec/model.md`` sections 3–5), one module per block.

Each builder returns the :mod:`cge.core.blocks` declaration of one block for one index and
states the equation it implements; :class:`cge.bca.model.BCAModel` declares the variables and
parameters (:class:`~cge.bca.declaration.Declaration`), calls the builders and compiles.

=====================  ==============================================================
:mod:`.production`     production ``Y[r,j]`` (KLEM nests, refinery crude) and resource sectors
:mod:`.armington`      Armington ``A[r,i]`` (domestic and imports, cif) and transport ``T[m]``
:mod:`.household`      household consumption ``C[r]``
:mod:`.agent`          regional agent ``RA[r]`` (income balance), price index ``PW``, numeraire
:mod:`.carbon`         carbon charges on fuels and process emissions; tax, caps, permit trade
:mod:`.border`         import charges, export rebates, output-based rebates and their intensities
:mod:`.taxes`          the benchmark's taxes (output, factor, purchase, export taxes, tariffs)
:mod:`.closures`       closures as options: current account, capital mobility, labour market
:mod:`.recycling`      where carbon and BCA revenue goes: labour-tax cuts, transfers abroad
=====================  ==============================================================
"""
