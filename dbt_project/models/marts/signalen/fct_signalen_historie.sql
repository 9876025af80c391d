{#- Every run's signals, per periode: the memory that lets signalen_status compare this month
    with the previous publication. Incremental delete+insert on periode_eind, so re-running a
    month replaces that month only. -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='periode_eind') }}

with

berekend as (
    select * from {{ ref('int_signalen_berekend') }}
),

final as (
    {#- typed in int_signalen_berekend -#}
    select
        signaal_sleutel,
        signaal_id,
        proces,
        indicator,
        segment,
        periode_start,
        periode_eind,
        verhouding,
        n,
        ernst,
        richting
    from berekend
    where n >= {{ var('minimum_group_size', 10) }}
)

select * from final
