{#- Every run's signals, per periode: the memory that lets signalen_status compare this month
    with the previous publication. Incremental delete+insert on periode_eind, so re-running a
    month replaces that month only. -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='periode_eind') }}

with

berekend as (
    select * from {{ ref('int_signalen_berekend') }}
),

final as (
    select
        cast(signaal_sleutel as varchar) as signaal_sleutel,
        cast(signaal_id as varchar) as signaal_id,
        cast(proces as varchar) as proces,
        cast(indicator as varchar) as indicator,
        cast(segment as varchar) as segment,
        cast(periode_start as date) as periode_start,
        cast(periode_eind as date) as periode_eind,
        cast(verhouding as {{ type_double() }}) as verhouding,
        cast(n as integer) as n,
        cast(ernst as varchar) as ernst,
        cast(richting as varchar) as richting
    from berekend
    where n >= {{ var('minimum_group_size', 10) }}
)

select * from final
