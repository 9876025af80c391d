{#- The run row of the engine's output, one-to-one with signalen_invoer.signalen_berekend_run. -#}
with

source as (
    select * from {{ source('signalen_invoer', 'signalen_berekend_run') }}
),

renamed as (
    select
        cast(extractdatum as date) as extractdatum,
        cast(levering_geladen_op as timestamp) as levering_geladen_op,
        cast(run_id as varchar) as run_id,
        cast(periode_eind as date) as periode_eind,
        cast(minimum_group_size as integer) as minimum_group_size,
        cast(signalen as integer) as signalen,
        berekend_op
    from source
)

select * from renamed
