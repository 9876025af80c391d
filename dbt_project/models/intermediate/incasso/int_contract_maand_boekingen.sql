{#- Ledger movements per contract per calendar month: by booking month (what was booked) and by due
    month (what fell due), of the bookings dated up to the extract date. Both are summed cumulatively in
    fct_contract_maand.
    Incremental (macros/incrementeel.sql): a nightly delta recomputes every contract's months from the
    month of the last build, and all months of the contracts with changed bookings. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ contract_maand_verwijder('extractdatum', alleen_boekingen=true) }}",
) }}
{%- set plan = incrementeel_plan('extractdatum', grootboek=true) -%}
{%- if plan -%}
    {%- set vanaf = "cast('" ~ plan.vanaf ~ "' as date)" -%}
    {%- set herberekend = "overeenkomst_id in (" ~ gewijzigde_contracten(plan.sinds, alleen_boekingen=true) ~ ")" -%}
{%- endif %}
with

boekingen as (
    select * from {{ ref('int_boekingen') }}
    where boekdatum <= {{ extractdatum() }}
    {%- if plan %}
        and (boekdatum >= {{ vanaf }} or verval_effectief >= {{ vanaf }} or {{ herberekend }})
    {%- endif %}
),

geboekt as (
    select
        overeenkomst_id,
        {{ maand_start('boekdatum') }} as maand,
        sum(case when boeking_groep = 'gefactureerd' then bedrag else 0 end) as gefactureerd_euro,
        -sum(case when boeking_groep = 'betaling' then bedrag else 0 end) as betaald_euro,
        sum(case when boeking_groep = 'correctie' then bedrag else 0 end) as correctie_euro,
        sum(case when boeking_detailsoort = 'PRO' then bedrag else 0 end) as huur_euro,
        sum(bedrag) as mutatie_euro,
        cast(0 as decimal(14, 2)) as vervallen_mutatie_euro,
        count(*) as boekingen_aantal
    from boekingen
    group by overeenkomst_id, {{ maand_start('boekdatum') }}
),

vervallen as (
    select
        overeenkomst_id,
        {{ maand_start('verval_effectief') }} as maand,
        0 as gefactureerd_euro,
        0 as betaald_euro,
        0 as correctie_euro,
        0 as huur_euro,
        0 as mutatie_euro,
        sum(bedrag) as vervallen_mutatie_euro,
        0 as boekingen_aantal
    from boekingen
    group by overeenkomst_id, {{ maand_start('verval_effectief') }}
),

beide as (
    select * from geboekt
    union all
    select * from vervallen
)

select
    overeenkomst_id,
    maand,
    cast(sum(gefactureerd_euro) as decimal(14, 2)) as gefactureerd_euro,
    cast(sum(betaald_euro) as decimal(14, 2)) as betaald_euro,
    cast(sum(correctie_euro) as decimal(14, 2)) as correctie_euro,
    cast(sum(huur_euro) as decimal(14, 2)) as huur_euro,
    cast(sum(mutatie_euro) as decimal(14, 2)) as mutatie_euro,
    cast(sum(vervallen_mutatie_euro) as decimal(14, 2)) as vervallen_mutatie_euro,
    cast(sum(boekingen_aantal) as bigint) as boekingen_aantal,
    {{ extractdatum() }} as extractdatum
from beide
{%- if plan %}
where maand >= {{ vanaf }} or {{ herberekend }}
{%- endif %}
group by overeenkomst_id, maand
