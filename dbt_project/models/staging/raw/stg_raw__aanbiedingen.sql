{#- Offers to candidates, one-to-one with raw.aanbiedingen (current version per key): renamed, cast, refusal reasons
    decoded. -#}
with

source as (
    select * from {{ source('raw', 'aanbiedingen') }}
),

renamed as (
    select
        -- ids
        cast(aanbieding_id as {{ dbt.type_string() }}) as aanbieding_id,
        cast(publicatie_id as {{ dbt.type_string() }}) as publicatie_id,
        cast(kandidaat_positie as integer) as kandidaat_positie,
        -- dates
        datum as aanbiedingsdatum,
        antwoorddatum,
        -- codes
        status as aanbieding_status,
        detailstatus as aanbieding_detailstatus,
        {{ code_naam('AANBIEDINGDETAILSTATUS', 'detailstatus') }} as aanbieding_detailstatus_naam,

        -- lineage
        {{ raw_event_columns() }}
    from source
)

select * from renamed
