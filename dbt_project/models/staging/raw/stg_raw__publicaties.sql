{#- Publicaties (advertisements of vacant units), one-to-one with raw.publicaties (current version per key). -#}
with

source as (
    select * from {{ source('raw', 'publicaties') }}
),

renamed as (
    select
        -- ids
        cast(publicatie_id as {{ dbt.type_string() }}) as publicatie_id,
        cast(eenheid_id as {{ dbt.type_string() }}) as eenheid_id,
        -- dates
        begindatum,
        einddatum,
        -- codes
        model as publicatie_model,
        status as publicatie_status,
        -- counts
        cast(reacties_aantal as integer) as reacties_aantal,

        -- lineage
        {{ raw_event_columns() }}
    from source
)

select * from renamed
