{{ config(materialized='view') }}
{#- SCD2 history of households (main tenant), keyed by the pseudonymous relatie_id.
    A view on purpose: it exposes geboortedatum so that ages can be computed at the moment a fact is
    measured, and a view stores nothing, so the birth date is never kept past the raw layer.
    Intervals from macros/historie.sql (scd2_versies): the first version reaches back to 1900-01-01,
    the last known one forward to 9999-12-31. -#}
with

versies as (
    {{ scd2_versies(ref('stg_raw__relaties'), 'relatie_id') }}
)

select
    relatie_id,
    geboortedatum,
    huishoudsamenstelling,
    personen_aantal,
    inkomensklasse,
    huurtoeslag,
    versie_geldig_vanaf as geldig_vanaf,
    versie_geldig_tot as geldig_tot,
    is_laatste_versie
from versies
