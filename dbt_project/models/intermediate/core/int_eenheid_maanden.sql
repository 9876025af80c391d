{#- One row per unit per month in which it was in exploitation at the month's measuring date, with the
    unit as it was then. The denominator of every per-unit monthly KPI.
    Incremental (macros/incrementeel.sql): a nightly delta recomputes every unit's months from the
    month of the last build and all months of units first delivered since or whose complex changed;
    months that fall out of the KPI window (var kpi_maanden) are deleted. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ eenheid_maand_verwijder() }}",
) }}
{%- set plan = incrementeel_plan('peildatum') -%}
with

maanden as (
    select * from {{ ref('dim_maand') }}
    where maanden_geleden < {{ var('kpi_maanden') }}
),

eenheden as (
    select * from {{ ref('dim_eenheid_historie') }}
)

select
    m.maand,
    m.peildatum,
    e.eenheid_id,
    e.eenheid_soort,
    {{ eenheid_dimensies('e') }},
    e.nettohuur
from maanden as m
inner join eenheden as e
    on {{ versie_op('e', 'm.peildatum') }}
where e.in_exploitatiedatum <= m.peildatum
    and (e.uit_exploitatiedatum is null or e.uit_exploitatiedatum > m.peildatum)
{%- if plan %}
    and (m.maand >= cast('{{ plan.vanaf }}' as date) or e.eenheid_id in ({{ gewijzigde_eenheden(plan.sinds) }}))
{%- endif %}
